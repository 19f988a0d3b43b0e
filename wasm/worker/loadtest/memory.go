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
