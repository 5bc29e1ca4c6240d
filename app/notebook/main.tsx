// Entry point of the notebooks page (notebook.html).

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import 'katex/dist/katex.min.css';
import '../styles.css';
import './notebook.css';
import { NotebookPage } from './NotebookPage.tsx';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <NotebookPage />
  </StrictMode>,
);
