// The file-kind shapes are declared with the Source model (main/sources/sqlite-file.ts).
export type { ConversationList, PageInput } from '../sources/sqlite-file.ts';
