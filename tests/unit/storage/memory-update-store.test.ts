import { memoryUpdateStore } from '../../../src/storage/memory-update-store.ts'
import { updateStoreSuite } from '../history/update-store.suite.ts'

updateStoreSuite('memory', async () => {
  const records: Uint8Array[] = []
  return { open: async () => memoryUpdateStore(records), cleanup: async () => {} }
})
