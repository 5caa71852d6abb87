/** loadgen's version, written into results documents (keep in step with package.json). */
export const VERSION = '0.1.0';
