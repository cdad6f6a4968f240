import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { isDesktop, toAppError } from '../api/index.ts';
import { openDropped } from './places.ts';
import { showToast } from './toasts.tsx';
import { DropIcon } from '../components/icons.tsx';

const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files');

/** Drag a data folder or a DB file onto the window to open it (desktop); browser mode explains why not. */
export function DropZone() {
  const { t } = useTranslation();
  const [over, setOver] = useState(false);
  useEffect(() => {
    let depth = 0;
    const onEnter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth++;
      setOver(true);
    };
    const onOver = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = isDesktop() ? 'copy' : 'none';
    };
    const onLeave = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setOver(false);
    };
    const onDrop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth = 0;
      setOver(false);
      const file = e.dataTransfer?.files[0];
      if (!isDesktop()) {
        showToast(t('drop.browserMode'), 'error', 9000);
        return;
      }
      if (!file) return;
      openDropped(file).catch((error: unknown) => showToast(toAppError(error).message, 'error'));
    };
    window.addEventListener('dragenter', onEnter);
    window.addEventListener('dragover', onOver);
    window.addEventListener('dragleave', onLeave);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragenter', onEnter);
      window.removeEventListener('dragover', onOver);
      window.removeEventListener('dragleave', onLeave);
      window.removeEventListener('drop', onDrop);
    };
  }, [t]);
  if (!over) return null;
  return (
    <div className="drop-overlay" aria-hidden="true">
      <div className="drop-card">
        <div className="drop-icon">
          <DropIcon size={32} />
        </div>
        <div>{isDesktop() ? t('drop.hint') : t('drop.browserMode')}</div>
      </div>
    </div>
  );
}
