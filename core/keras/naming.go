package keras

import (
	"fmt"
	"strings"
)

// snakeNamer reproduces the names Keras 3 gives the layers of a container
// in a .keras weights file: the snake_case class name, then _1, _2 … for
// later layers of the same class (saving_lib._save_container_state).
type snakeNamer struct{ used map[string]int }

func newSnakeNamer() *snakeNamer { return &snakeNamer{used: map[string]int{}} }

func (n *snakeNamer) next(class string) string {
	name := toSnakeCase(class)
	count, seen := n.used[name]
	if !seen {
		n.used[name] = 0
		return name
	}
	n.used[name] = count + 1
	return fmt.Sprintf("%s_%d", name, count+1)
}

// toSnakeCase is keras.src.utils.naming.to_snake_case: drop non-word
// characters, then insert "_" before each capitalized word
// ("(.)([A-Z][a-z]+)") and between a lower-case letter and a capital
// ("([a-z])([A-Z])"), then lower-case: "Conv2D" → "conv2d", "ReLU" →
// "re_lu", "QuantizedConv2D" → "quantized_conv2d".
func toSnakeCase(name string) string {
	var b []byte
	for i := 0; i < len(name); i++ {
		c := name[i]
		if isWordByte(c) {
			b = append(b, c)
		}
	}
	// Pass 1: (.)([A-Z][a-z]+), non-overlapping, left to right.
	var p1 []byte
	for i := 0; i < len(b); {
		if i+2 < len(b) && isUpper(b[i+1]) && isLower(b[i+2]) {
			j := i + 2
			for j < len(b) && isLower(b[j]) {
				j++
			}
			p1 = append(p1, b[i], '_')
			p1 = append(p1, b[i+1:j]...)
			i = j
			continue
		}
		p1 = append(p1, b[i])
		i++
	}
	// Pass 2: ([a-z])([A-Z]), non-overlapping.
	var p2 []byte
	for i := 0; i < len(p1); i++ {
		p2 = append(p2, p1[i])
		if i+1 < len(p1) && isLower(p1[i]) && isUpper(p1[i+1]) {
			p2 = append(p2, '_', p1[i+1])
			i++
		}
	}
	return strings.ToLower(string(p2))
}

func isUpper(c byte) bool    { return c >= 'A' && c <= 'Z' }
func isLower(c byte) bool    { return c >= 'a' && c <= 'z' }
func isWordByte(c byte) bool { return isUpper(c) || isLower(c) || c >= '0' && c <= '9' || c == '_' }
