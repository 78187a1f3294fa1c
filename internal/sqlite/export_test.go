package sqlite

// Checkpointers returns how many background checkpointers run.
func Checkpointers() int {
	checkpointers.mu.Lock()
	defer checkpointers.mu.Unlock()
	return len(checkpointers.byPath)
}
