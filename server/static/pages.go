package static

// The fixed pages of the error statuses. They never echo a byte of the
// request: a path in a page is a reflected-XSS vector and tells a prober
// nothing it needs.
var (
	page301 = page("301 Moved Permanently", "The folder is at the same address with a trailing slash.")
	page400 = page("400 Bad Request", "The request path is not acceptable.")
	page403 = page("403 Forbidden", "")
	page404 = page("404 Not Found", "")
	page405 = page("405 Method Not Allowed", "Only GET and HEAD are served here.")
	page412 = page("412 Precondition Failed", "")
	page416 = page("416 Range Not Satisfiable", "")
	page500 = page("500 Internal Server Error", "Internal error.")
)

// htmlType is the Content-Type of the fixed pages.
const htmlType = "text/html; charset=utf-8"

// page returns the small HTML page "<!doctype html>...<h1>404 Not Found</h1>...".
func page(title, text string) []byte {
	s := "<!doctype html>\n<html lang=\"en\">\n<meta charset=\"utf-8\">\n<title>" + title +
		"</title>\n<h1>" + title + "</h1>\n"
	if text != "" {
		s += "<p>" + text + "</p>\n"
	}
	return []byte(s)
}

// pageFor returns the fixed page of status.
func pageFor(status int) []byte {
	switch status {
	case 301:
		return page301
	case 400:
		return page400
	case 403:
		return page403
	case 404:
		return page404
	case 405:
		return page405
	case 412:
		return page412
	case 416:
		return page416
	}
	return page500
}
