// The stylesheets of the first screen (the chat list's own too) are linked from index.html: the painted
// screen needs them as much as the app does.
import './styles/app.css';
import './features/chats/chats.css';

// The app's entry. The first screen may have come painted in index.html (main/server/boot.ts): the app's
// scripts are evaluated only once the browser has put it on screen, as evaluating them takes the main
// thread (and on a small machine the cores the browser draws with) for a few hundred ms. The wait is
// capped for where nothing is drawn (a window not shown yet) or the paint is not reported.
const PAINT_WAIT_CAP_MS = 250;

function painted(): Promise<void> {
  return new Promise<void>((done) => {
    const timer = setTimeout(finish, PAINT_WAIT_CAP_MS);
    let observer: PerformanceObserver | null = null;
    function finish() {
      clearTimeout(timer);
      observer?.disconnect();
      done();
    }
    try {
      observer = new PerformanceObserver((list) => {
        if (list.getEntriesByName('first-contentful-paint').length > 0) finish();
      });
      observer.observe({ type: 'paint', buffered: true });
    } catch {
      // no paint timing here: the cap decides
    }
  });
}

if (document.getElementById('root')?.hasAttribute('data-painted')) await painted();
await import('./start.tsx');
