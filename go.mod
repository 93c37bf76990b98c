module miniweb

go 1.26

require (
	github.com/BurntSushi/toml v1.6.0
	github.com/flosch/pongo2/v6 v6.0.0
	github.com/fsnotify/fsnotify v1.10.1
)

require golang.org/x/sys v0.13.0 // indirect
