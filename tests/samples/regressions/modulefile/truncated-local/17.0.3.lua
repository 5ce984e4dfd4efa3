-- -*- lua -*-

local helpMsg =