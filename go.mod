module miniweb

go 1.26

require (
	github.com/BurntSushi/toml v1.6.0 // indirect
	github.com/flosch/pongo2/v6 v6.0.0 // indirect
)
