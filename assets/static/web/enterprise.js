// Progressive enhancement of the enterprise workspace; every page works without it.
