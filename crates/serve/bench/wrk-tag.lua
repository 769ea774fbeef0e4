-- wrk script: POST /v1/tag with one text per request, cycling through a file
-- of texts (one per line) given after `--`, e.g.
--   wrk -t2 -c16 -d10s -s crates/serve/bench/wrk-tag.lua http://127.0.0.1:8080 -- texts.txt
-- Without a file, a few built-in tweets are used.

local bodies = {}
local counter = 0

local function json_string(s)
  s = s:gsub('\\', '\\\\'):gsub('"', '\\"')
  s = s:gsub('[%c]', function(c) return string.format('\\u%04x', c:byte()) end)
  return '"' .. s .. '"'
end

function init(args)
  local texts = {}
  if args[1] then
    for line in io.lines(args[1]) do
      if line:match('%S') then texts[#texts + 1] = line end
    end
  end
  if #texts == 0 then
    texts = { "Going to see Taylor Swift in New York tonight !",
              "@bob watching the Yankees game at Fenway lol",
              "RT @news : Obama visits London and Paris next week" }
  end
  for i, t in ipairs(texts) do
    bodies[i] = '{"text":' .. json_string(t) .. '}'
  end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  return wrk.format(nil, "/v1/tag", nil, bodies[(counter % #bodies) + 1])
end
