// The page: controls in a sidebar, plots, heatmap and text in a grid beside them (stacked on a phone).

import { datasetInfo } from './config/datasets.ts';
import { LossChart } from './charts/LossChart.tsx';
import { GradNormChart } from './charts/GradNormChart.tsx';
import { SpeedChart } from './charts/SpeedChart.tsx';
import { ConfirmDiscard } from './controls/ConfirmDiscard.tsx';
import { RunControls } from './controls/RunControls.tsx';
import { SettingsForm } from './controls/SettingsForm.tsx';
import { WeightsPanel } from './controls/WeightsPanel.tsx';
import { Heatmap } from './heatmap/Heatmap.tsx';
import { Banners } from './panels/Banners.tsx';
import { DevicePanel } from './panels/DevicePanel.tsx';
import { GenerationPanel } from './panels/GenerationPanel.tsx';
import { StatsRow } from './panels/StatsRow.tsx';
import { TaskPanel } from './panels/TaskPanel.tsx';
import { Seq2SeqPanel } from './panels/Seq2SeqPanel.tsx';
import { TreePanel } from './panels/TreePanel.tsx';
import { RunList } from './runs/RunList.tsx';
import { SweepPanel } from './runs/SweepPanel.tsx';
import { useStore } from './store/index.ts';

export function App() {
  const device = useStore((s) => s.device);
  const kind = useStore((s) => datasetInfo(s.applied?.dataset ?? s.form.dataset).kind);
  return (
    <div className="app">
      <header className="topbar">
        <h1>rnnlab</h1>
        <p className="tagline">Recurrent networks, trained on your GPU in this tab.</p>
        <p className="gpu" title={device?.adapter}>
          {device && (device.backend === 'cpu' ? device.adapter : `WebGPU · ${device.adapter}`)}
        </p>
      </header>
      <Banners />
      <div className="layout">
        <aside className="sidebar" aria-label="Controls">
          <RunControls />
          <ConfirmDiscard />
          <SettingsForm />
          <WeightsPanel />
        </aside>
        <main className="content">
          <StatsRow />
          <div className="grid">
            <LossChart />
            <GradNormChart />
            <SpeedChart />
            <RunList />
            <SweepPanel />
            {kind === 'tree' ? <TreePanel /> : kind === 'seq2seq' ? <Seq2SeqPanel /> : <Heatmap />}
            {kind === 'chars' ? <GenerationPanel /> : kind === 'task' ? <TaskPanel /> : null}
            <DevicePanel />
          </div>
        </main>
      </div>
    </div>
  );
}
