/**
 * The scanning-probe readers, in the order the registry tries them (their
 * signatures do not overlap). src/io/registry.ts lists them with the
 * built-in formats.
 */
import type { SPMReader } from "./spm-common";
import { nanonis3dsReader, nanonisDatReader, nanonisSxmReader } from "./spm-nanonis";
import { gwyddionReader } from "./spm-gwyddion";
import { igorReader } from "./spm-igor";
import { nanoscopeReader } from "./spm-nanoscope";
import { createcVertReader } from "./spm-createc";
import { wsxmReader } from "./spm-wsxm";

export const SPM_READERS: readonly SPMReader[] = [nanonisSxmReader, nanonis3dsReader, nanonisDatReader, gwyddionReader, igorReader, nanoscopeReader, createcVertReader, wsxmReader];
