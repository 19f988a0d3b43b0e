package loadtest

import (
	"fmt"
	"os"
)

// ProcessMemory reads the memory of process pid from /proc (Linux).
func ProcessMemory(pid int) (Memory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Memory{}, err
	}
	defer f.Close()
	return ParseStatus(f)
}

// ResetPeak resets the peak RSS (VmHWM) of process pid, so the next
// ProcessMemory reports the peak of what ran in between (Linux
// /proc/<pid>/clear_refs, value 5).
func ResetPeak(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}
