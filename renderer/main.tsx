// The stylesheets of the first screen (the chat list's own too) are linked from index.html: the painted
// screen needs them as much as the app does.
import './styles/app.css';
import './features/chats/chats.css';

// The app's entry. The first screen may have come painted in index.html (main/server/boot.ts): the browser
// shows it before the app's scripts are evaluated, which takes the main thread for a few hundred ms on a
// slow machine. A frame is enough (or a short wait where frames are not drawn, as in a hidden window).
if (document.getElementById('root')?.hasAttribute('data-painted')) {
  await new Promise<void>((done) => {
    const timer = setTimeout(done, 100);
    requestAnimationFrame(() =>
      setTimeout(() => {
        clearTimeout(timer);
        done();
      }, 0),
    );
  });
}
await import('./start.tsx');
