// The Maintenance feature: its screen (registered in app/screens.tsx) and the alerts panel, which the fleet
// dashboard can show too (same operation `maintenance.alerts`, same thresholds).
export { AlertsPanel, MaintenanceScreen } from './MaintenanceScreen.tsx';
