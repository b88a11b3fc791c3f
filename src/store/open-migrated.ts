import { openStore, type Store } from './engine.js'
import { migrateToLatest } from './migrate.js'

/** Opens the database and brings its schema up to date: what every entry point does first. */
export async function openMigratedStore(url: string): Promise<Store> {
  const store = await openStore(url)
  try {
    await migrateToLatest(store.db)
  } catch (error) {
    await store.close()
    throw error
  }
  return store
}
