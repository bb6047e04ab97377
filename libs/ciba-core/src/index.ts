export { hello } from './hello';
