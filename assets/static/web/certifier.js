// Progressive enhancement of the certifier workspace; every page works without it.
