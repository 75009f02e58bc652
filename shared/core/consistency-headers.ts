/**
 * The headers of read-your-writes, apart from the scope that fills them: importing nothing, so a
 * client (the `bunmesh/client` entry) can name them without loading the server's modules.
 */
export const consistencyTokenHeader = "x-consistency-token";
export const readModelLagHeader = "x-read-model-lag-ms";
export const readModelPositionHeader = "x-read-model-position";
