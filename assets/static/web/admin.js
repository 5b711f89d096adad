// Progressive enhancement of the admin workspace; every page works without it.
