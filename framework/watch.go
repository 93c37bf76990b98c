package framework

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/fsnotify/fsnotify"
)

// watch starts watching the templates folder and the folders below it (see
// the store's doc for the design). It watches folders, not files: an editor
// that writes a new file and renames it over the old one replaces the inode
// a file watch would follow, while the folder sees the rename.
func (s *store) watch() error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	if err := addTree(w, s.dir); err != nil {
		w.Close()
		return err
	}
	s.watcher, s.done = w, make(chan struct{})
	go s.watchLoop(w)
	return nil
}

// watchLoop drops the cache on every event, until the watcher is closed.
func (s *store) watchLoop(w *fsnotify.Watcher) {
	defer close(s.done)
	for {
		select {
		case ev, ok := <-w.Events:
			if !ok {
				return
			}
			if ev.Has(fsnotify.Create) {
				if fi, err := os.Lstat(ev.Name); err == nil && fi.IsDir() {
					// A new folder: watch it, and whatever was created in
					// it before the watch began is covered by the drop
					// below.
					if err := addTree(w, ev.Name); err != nil {
						s.log.Warn("cannot watch a new templates folder", keyDir, ev.Name, keyErr, err)
					}
				}
			}
			s.invalidate()
		case err, ok := <-w.Errors:
			if !ok {
				return
			}
			// An overflowed queue lost events: drop everything to be sure.
			if !errors.Is(err, fsnotify.ErrEventOverflow) {
				s.log.Warn("watching the templates folder failed", keyErr, err)
			}
			s.invalidate()
		}
	}
}

// addTree watches dir and every folder below it.
func addTree(w *fsnotify.Watcher, dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p != dir && errors.Is(err, fs.ErrNotExist) {
				return nil // gone while we walked
			}
			return err
		}
		if d.IsDir() {
			return w.Add(p)
		}
		return nil
	})
}
