package demo

// Stock is one row of the market table (the table stocks).
type Stock struct {
	// Code is the exchange code, such as "600519".
	Code string
	// Name is the company's name.
	Name string
	// Industry is its sector.
	Industry string
	// Price is the last price, in yuan; PriceText the same with two
	// decimals, as the pages show it (made once per copy of the market,
	// not on every page).
	Price     float64
	PriceText string
	// Change is the day's change, in percent (the column change_pct).
	Change float64
	// About is a line on the company.
	About string
	// Followed says the signed-in user follows it; false for visitors.
	Followed bool
}

// Watched is one row of a user's watch list: the stock and the note.
type Watched struct {
	// Code, Name, Price and PriceText are the stock's (see Stock).
	Code, Name string
	Price      float64
	PriceText  string
	// Note is the user's note on it, "" for none; at most maxNote
	// characters.
	Note string
}

// Article is the lesson's single.html: one post.
type Article struct {
	Title, Author, Date, Lead string
	// Body is the post's HTML, the site's own text.
	Body string
}

var article = Article{
	Title:  "From a socket to a framework",
	Author: "The miniweb team",
	Date:   "2019-01-01",
	Lead:   "How a twenty-line Python server grew a WSGI interface, a config file and a mini framework.",
	Body: `<p>The lesson starts with a socket: accept a connection, read the request line,
send a file from the <code>html</code> folder. Then paths ending in <code>.py</code> go to
a function instead of a file, and soon that function is
<code>application(environ, start_response)</code>.</p>
<p>The last step is the mini framework: a table from paths to functions, and templates with a
<code>{%content%}</code> to fill. Here it is in Go, with <code>&lt;%content%&gt;</code>
in its place.</p>`,
}
