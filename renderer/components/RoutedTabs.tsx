import type { ReactNode } from 'react';
import { patchParams, useRoute } from '../app/nav.ts';
import { Tabs } from './ui.tsx';

/** The tab the route's `tab` param names; the first tab when the param is absent or unknown. */
export function useRouteTab<T extends string>(tabs: readonly [T, ...T[]]): T {
  const wanted = useRoute().params.tab ?? '';
  return (tabs as readonly string[]).includes(wanted) ? (wanted as T) : tabs[0];
}

/**
 * Tabs whose choice lives in the route (`tab=`, left out for the first tab, so a screen's plain address
 * opens it); `clears` names the params that belong to one tab and go when another is chosen.
 */
export function RoutedTabs<T extends string>({
  tabs,
  active,
  label,
  idPrefix,
  labelOf,
  clears = [],
}: {
  tabs: readonly [T, ...T[]];
  active: T;
  label: string;
  idPrefix: string;
  labelOf: (tab: T) => ReactNode;
  clears?: readonly string[];
}) {
  return (
    <Tabs
      tabs={tabs}
      active={active}
      label={label}
      idPrefix={idPrefix}
      labelOf={labelOf}
      onSelect={(id) =>
        patchParams({
          tab: id === tabs[0] ? undefined : id,
          ...Object.fromEntries(clears.map((param) => [param, undefined])),
        })
      }
    />
  );
}

/** A screen of routed tabs: its title and one line saying what it is for, the tabs, the active tab's panel. */
export function TabbedScreen<T extends string>({
  name,
  title,
  intro,
  tabs,
  active,
  labelOf,
  clears,
  children,
}: {
  /** Names the screen's class (`<name>-screen`), test id and the tabs' ids (`<name>-tab-…`, `<name>-panel-…`). */
  name: string;
  title: string;
  intro: string;
  tabs: readonly [T, ...T[]];
  active: T;
  labelOf: (tab: T) => ReactNode;
  clears?: readonly string[];
  children: ReactNode;
}) {
  return (
    <div className={`screen ${name}-screen`} data-testid={`${name}-screen`}>
      <div className="toolbar">
        <h1 className="screen-title">{title}</h1>
        <span className="muted" style={{ flex: 1, minWidth: 240 }}>
          {intro}
        </span>
      </div>
      <RoutedTabs
        tabs={tabs}
        active={active}
        label={title}
        idPrefix={`${name}-`}
        labelOf={labelOf}
        clears={clears}
      />
      <div
        role="tabpanel"
        id={`${name}-panel-${active}`}
        aria-labelledby={`${name}-tab-${active}`}
        style={{ overflow: 'auto', padding: 16, display: 'grid', gap: 14, alignContent: 'start' }}
      >
        {children}
      </div>
    </div>
  );
}
