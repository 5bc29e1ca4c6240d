// Entry point: the worker session (lab.ts), the test API, and the React page.

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { startLab } from './lab.ts';
import { installTestApi } from './testApi.ts';
import './styles.css';

installTestApi();
startLab();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
