// Minimal typings for the parts of snarkjs 0.7.6 this package uses (it ships none).
declare module 'snarkjs' {
  /** A fastfile "file": a path, or an in-memory buffer ({type: 'mem'}; `data` holds the result after a write). */
  export type FileRef = string | { type: 'mem'; data?: Uint8Array };
  export interface Logger {
    debug(msg: string): void;
    info(msg: string): void;
    warn(msg: string): void;
    error(msg: string): void;
  }
  export interface Curve {
    terminate(): Promise<void>;
  }
  export const curves: { getCurveFromName(name: string, singleThread?: boolean): Promise<Curve> };
  export const groth16: {
    fullProve(
      input: Record<string, unknown>,
      wasm: FileRef,
      zkey: FileRef,
      logger?: Logger,
    ): Promise<{ proof: unknown; publicSignals: string[] }>;
    verify(vk: unknown, publicSignals: string[], proof: unknown, logger?: Logger): Promise<boolean>;
  };
  export const powersOfTau: {
    newAccumulator(curve: Curve, power: number, out: FileRef, logger?: Logger): Promise<unknown>;
    contribute(
      prev: FileRef,
      next: FileRef,
      name: string,
      entropy: string,
      logger?: Logger,
    ): Promise<unknown>;
    beacon(
      prev: FileRef,
      next: FileRef,
      name: string,
      beaconHash: string,
      iterExp: number,
      logger?: Logger,
    ): Promise<unknown>;
    verify(ptau: FileRef, logger?: Logger): Promise<boolean>;
    preparePhase2(ptau: FileRef, out: FileRef, logger?: Logger): Promise<unknown>;
  };
  export const zKey: {
    newZKey(r1cs: FileRef, ptau: FileRef, out: FileRef, logger?: Logger): Promise<unknown>;
    contribute(
      prev: FileRef,
      next: FileRef,
      name: string,
      entropy: string,
      logger?: Logger,
    ): Promise<unknown>;
    beacon(
      prev: FileRef,
      next: FileRef,
      name: string,
      beaconHash: string,
      iterExp: number,
      logger?: Logger,
    ): Promise<unknown>;
    verifyFromInit(init: FileRef, ptau: FileRef, zkey: FileRef, logger?: Logger): Promise<boolean>;
    exportVerificationKey(zkey: FileRef, logger?: Logger): Promise<unknown>;
  };
}
