/** Small persisted UI preferences (localStorage; failures just mean "not remembered"). */
export function readPref(key: string): string | null {
  try {
    return window.localStorage.getItem(`chat-inspector.${key}`);
  } catch {
    return null;
  }
}

export function writePref(key: string, value: string | null): void {
  try {
    if (value === null) window.localStorage.removeItem(`chat-inspector.${key}`);
    else window.localStorage.setItem(`chat-inspector.${key}`, value);
  } catch {
    // not remembered
  }
}
