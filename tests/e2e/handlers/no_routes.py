"""An empty route table: the third-party apps sit behind the $default route and route
for themselves, as such apps usually are deployed."""

ROUTES = ()
