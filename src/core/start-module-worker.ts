import { Worker } from 'node:worker_threads'

/**
 * Starts the worker module `name` (a file name without its extension) that lies beside the
 * module whose `import.meta.url` is `besideUrl`. A built caller (.js) starts the built worker
 * directly; under tsx or vitest the caller is TypeScript, and the worker then registers tsx's
 * loader before it imports the .ts module (a worker does not inherit the loader).
 */
export function startModuleWorker(besideUrl: string, name: string, workerData?: unknown): Worker {
  const fromSource = besideUrl.endsWith('.ts')
  const url = new URL(`./${name}.${fromSource ? 'ts' : 'js'}`, besideUrl)
  const options = workerData === undefined ? {} : { workerData }
  return fromSource
    ? new Worker(
        `import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(url.href)}) })`,
        { ...options, eval: true },
      )
    : new Worker(url, options)
}
