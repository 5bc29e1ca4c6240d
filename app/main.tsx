// Entry point: one Lab (device, corpus, training loop) and the React page that drives it.

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { Lab } from './lab.ts';
import './styles.css';

const lab = new Lab();
void lab.boot();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App lab={lab} />
  </StrictMode>,
);
