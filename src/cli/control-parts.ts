// The control socket and the maintenance store, loaded together only when the control socket is on.
export { MaintenanceStore, defaultMaintenancePath } from '../control/maintenance-store.js';
export { defaultControlPath, startControlServer } from '../control/server.js';
