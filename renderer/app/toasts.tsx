import { useTranslation } from 'react-i18next';
import { createStore, useStore } from './store.ts';

export interface Toast {
  id: number;
  kind: 'info' | 'error';
  text: string;
}

const toasts = createStore<Toast[]>([]);
let nextId = 1;

export function showToast(text: string, kind: Toast['kind'] = 'info', ms = 6000) {
  const id = nextId++;
  toasts.set((list) => [...list.slice(-3), { id, kind, text }]);
  window.setTimeout(() => dismissToast(id), ms);
}

export function dismissToast(id: number) {
  toasts.set((list) => list.filter((t) => t.id !== id));
}

export function Toasts() {
  const list = useStore(toasts);
  const { t } = useTranslation();
  return (
    <div className="toasts" aria-live="polite">
      {list.map((toast) => (
        <div
          key={toast.id}
          className={`toast toast-${toast.kind}`}
          role={toast.kind === 'error' ? 'alert' : 'status'}
        >
          <span>{toast.text}</span>
          <button
            type="button"
            className="btn btn-ghost btn-icon"
            aria-label={t('common.close')}
            onClick={() => dismissToast(toast.id)}
          >
            ✕
          </button>
        </div>
      ))}
    </div>
  );
}
