/** @packageDocumentation placeholder */
export {};
