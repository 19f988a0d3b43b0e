// Command cnn2snn is the native command-line front end of cnn2snn-wasm: it
// inspects Keras model files, checks and converts them to Akida .fbz files,
// summarizes .fbz files and runs them.
//
// Every sub-command lives in its own file and is registered in commands().
// A sub-command returns its exit status; main turns any panic into one
// clear line on stderr and exit status 1, so no stack trace reaches a user.
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// command is one sub-command: a one-line description and the function
// that runs it with its own arguments (without the sub-command name).
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

// commands lists the sub-commands. It is a function, not a package
// variable, so the table cannot be changed at run time.
func commands() map[string]command {
	return map[string]command{
		"inspect": {"print a Keras model's layers, output shapes and parameters", runInspect},
		"summary": {"print the summary of an Akida .fbz model (--json for JSON)", runSummary},
		"check":   {"check whether a Keras model converts to Akida (1.0, 2.0, or each for a float model); list every problem (exit 0 yes, 2 no)", runCheck},
		"convert": {"convert a Keras model to an Akida .fbz model (or re-encode an .fbz)", runConvert},
		"predict": {"run a Keras model or simulate an Akida .fbz on a NumPy batch", runPredict},
		"verify":  {"convert a Keras model and compare the Akida simulation with the quantized Keras model layer by layer (exit 0 proved, 2 not)", runVerify},
		"version": {"print the version", runVersion},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches to a sub-command and recovers from any panic.
func run(args []string, stdout, stderr io.Writer) (status int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "cnn2snn: internal error: %v (please report this with the input file)\n", r)
			status = 1
		}
	}()
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "cnn2snn: unknown command %q; run 'cnn2snn help' for the list\n", args[0])
		return 2
	}
	return cmd.run(args[1:], stdout, stderr)
}

func usage(w io.Writer, cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	for name := range cmds {
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("usage: cnn2snn <command> [options] FILE...\n\ncommands:\n")
	for _, name := range names {
		fmt.Fprintf(&b, "  %-8s %s\n", name, cmds[name].summary)
	}
	b.WriteString("\nRun 'cnn2snn <command> -h' for the options of a command.\n")
	io.WriteString(w, b.String())
}
