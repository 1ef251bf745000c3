package ui

import "fyne.io/fyne/v2"

// background starts work that touches the data file, off the UI goroutine so
// a slow disk never freezes the window. Tests swap it for a direct call so
// their checks see the finished result.
var background = func(work func()) { go work() }

// runAsync runs work in the background and hands its result to done on the
// UI goroutine. work must not touch widgets.
func runAsync[T any](work func() (T, error), done func(T, error)) {
	background(func() {
		v, err := work()
		fyne.Do(func() { done(v, err) })
	})
}
