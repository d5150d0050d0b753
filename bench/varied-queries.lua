-- wrk script for bench/publish.sh: every request is a different filtered /api/offers query
-- (a word of the offers' titles, a `since` date before every offer, half of them with a
-- region), so that essaim's response cache almost never holds the answer. It measures what a
-- query costs when essaim has to run it and render it: the worst case, not the common one
-- (sites polling the same query are answered from the cache).
local words = {
  "animateur", "educateur", "aide", "comptable", "insertion", "jeunesse", "social",
  "directeur", "coordinateur", "mission", "accueil", "cuisinier", "psychologue", "mediateur",
  "entretien", "communication", "assistant", "infirmier", "maraicher", "chauffeur",
  "responsable", "conseiller", "travailleur", "volontaire", "agent", "charge",
  "developpement", "ressources", "creche", "auxiliaire",
}
local regions = { "11", "24", "27", "28", "32", "44", "52", "53", "75", "76", "84", "93", "94" }
local start = os.time({ year = 2021, month = 1, day = 1, hour = 12 })

function setup(thread)
  thread:set("seed", math.random(1, 1000000))
end

function init(args)
  math.randomseed(os.time() + (seed or 0))
end

function request()
  local since = os.date("!%Y-%m-%d", start + math.random(0, 1460) * 86400)
  local path = "/api/offers?q=" .. words[math.random(#words)] .. "&since=" .. since
  if math.random() < 0.5 then
    path = path .. "&region=" .. regions[math.random(#regions)]
  end
  return wrk.format("GET", path)
end
