whatis("Description: an unterminated string
setenv("EBROOTBROKEN", root)
