/** Hydra's version, as package.json has it (a test keeps the two equal). */
export const HYDRA_VERSION = "0.1.0";
