/** The pipeline's public API, as the pipeline's unit tests import it: mod.ts itself. */
export * from "../../mod.ts";
