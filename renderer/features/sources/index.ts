// The Sources feature: server databases (PostgreSQL) through the Source model; registered in app/screens.tsx.
export { SourcesScreen } from './SourcesScreen.tsx';
