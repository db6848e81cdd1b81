// placeholder replaced below
import type { Dataset4D, ReadDataset4DOptions } from "./dataset";
export async function readHdf5Dataset4D(path: string, _options: ReadDataset4DOptions): Promise<Dataset4D> {
  throw new Error(`readDataset4D(${JSON.stringify(path)}): HDF5 not implemented yet`);
}
