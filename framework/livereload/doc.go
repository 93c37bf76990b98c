// Package livereload is the framework's live reload in dev mode: save a
// template and the open pages reload; save a stylesheet and it is swapped
// in place, with no reload; save an image and it is refreshed; break a
// template and the open pages show the error in an overlay, at its file,
// line and column, until a fix reloads them.
//
// The framework builds a [Hub] when Options.Dev is set, and with Dev unset
// there is none: no script, no endpoint, no watcher. The Hub has three
// parts:
//
//   - a watcher of the templates and static folders (fsnotify), which
//     gathers the events of a save into one change (debounced), ignores
//     editors' temporary files, and watches folders again when they are
//     replaced;
//   - an event stream (server-sent events) at Prefix+"events", which sends
//     the state when a browser connects and then each change;
//   - the client, Prefix+"client.js", which [Hub.Inject] puts before the
//     </body> of the framework's HTML pages.
//
// # The browser's side
//
// A browser opens one stream, not one per tab: the client runs as a
// SharedWorker that holds it and passes the events to every tab of the
// origin (browsers without SharedWorker elect a leader tab with
// navigator.locks and a BroadcastChannel; without those, each tab opens its
// own). HTTP/1.1 browsers open at most six connections per host, so eight
// tabs with a stream each would leave the pages' own requests waiting.
// When the stream fails or ends, the client reconnects after 250 ms,
// doubling up to 5 s.
//
// # State, not only events
//
// Each page is stamped with the server's boot id and the generation of the
// templates it was rendered from; each event carries the current state
// (boot id, generation, the templates' problem, or the program's build
// problem over it, in the server's -watch mode: Hub.SetBuildProblem). A page reloads when the
// boot id is not its own (the server restarted), shows the problem while
// there is one, and otherwise reloads when its generation is older. So a
// page reloads at most once per save, a page rendered while a template is
// broken shows the overlay rather than reloading in a loop, and a change
// made while a stream was down is caught up on reconnect. A browser that
// reconnects also names the last event it got, and gets the stylesheets
// and images saved meanwhile.
//
// As the framework's dev error page, a problem's file, line and source go
// to clients on the loopback address only; others learn that a template is
// broken.
//
// # Files the server caches
//
// Before a tab swaps a stylesheet or refreshes an image, the browser's
// stream owner fetches it past the HTTP cache, so that later page loads get
// it too. miniweb's static handler trusts its cache of a file for a second
// after it last checked it, so a file fetched within that second after a
// save may come back as it was; each "css" and "image" event is therefore
// sent again after Options.FollowUp (1.1 s), and the page ends with the
// file as saved.
//
// # Streams and the server
//
// A stream is a gateway.Stream response. The server's write timeout bounds
// a whole response, so a stream ends by itself after Options.StreamLimit
// (20 s), under the server's default write timeout of 30 s, and the
// browser opens another. [Hub.CloseStreams] ends them all at once and
// refuses new ones: a server calls it as it starts to shut down, else each
// open stream holds the shutdown until it ends.
//
// # Content-Security-Policy
//
// A page whose response sets a Content-Security-Policy gets a nonce on the
// script element, added to script-src, and 'self' in worker-src and
// connect-src where the policy restricts them (see allowClient): the client
// is served from the site's own origin, but a nonce is the narrowest
// change to the page's policy. The overlay is styled through the CSSOM,
// which style-src does not restrict.
package livereload
