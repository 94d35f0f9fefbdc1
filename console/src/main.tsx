import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.tsx';
import { startSession } from './auth.ts';
import './styles.css';

const root = document.getElementById('root');
// Signed in (in AWS) before the first API call; the embedded runtime needs no sign-in.
startSession()
  .catch((error: unknown) => console.error(error))
  .finally(() => {
    if (root)
      createRoot(root).render(
        <StrictMode>
          <App />
        </StrictMode>,
      );
  });
