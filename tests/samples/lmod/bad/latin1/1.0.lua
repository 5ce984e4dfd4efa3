-- latin-1: café
whatis("Description: café au lait")
