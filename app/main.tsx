// Entry point: the page's controller (lab/pageLab.ts), the test API, and the React page.

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { lab } from './lab/pageLab.ts';
import { installTestApi } from './testApi.ts';
import './styles.css';

installTestApi();
lab.start();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
