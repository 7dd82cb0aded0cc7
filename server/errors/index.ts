// The app's errors: the AppError class and its factory (app-error.ts), and the catalog of every code.
export {
  AppError,
  type AppErrorExtras,
  type AppErrorInit,
  appError,
  isAppError,
  toAppError,
  type Upstream,
} from './app-error.js';
export { type ErrorCode, type ErrorParams, errorText } from './catalog.js';
