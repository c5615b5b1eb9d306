package main

import sdkworker "go.temporal.io/sdk/worker"

// setStickyCache bounds the worker's cache of workflows kept in memory
// between their tasks. The SDK keeps it per process, so it must be set
// before the first worker starts.
func setStickyCache(size int) { sdkworker.SetStickyWorkflowCacheSize(size) }
