-- The Docker API proxy's judge (docker-proxy/docker-api.cfg loads it): every body the proxy passes
-- is read the way Docker reads it and held to an allow-list, and every container made through the
-- proxy is inspected, as Docker made it, before anyone can start it. Why, and what it cannot stop:
-- docs/security.md, "What the Docker API proxy allows and refuses".
--
-- Written for haproxy 2.2 (Tecnativa's docker-socket-proxy 0.3.0) and newer, Lua 5.3: only
-- core.register_action, txn.sf, txn:set_var, core.tcp on a unix socket and core.msleep.
--
-- Docker decodes a body with Go's encoding/json: a key matches a field exactly or under Unicode case
-- folding ("Bindſ" is Binds), the last of duplicate keys wins, unknown keys are ignored, and a string
-- stands for a one-element list in some fields. Rather than copy those rules, the judge leaves them
-- nothing to decide: a body is printable ASCII, every key is spelt exactly as Docker spells its field
-- and given once (ignoring case), a key the sidecar does not use may only be null (Go's no-op), and
-- every value has the type and the shape the sidecar sends. Whatever Docker could read differently
-- is refused.
-- A service update is the one body outside ASCII: it must be the spec Docker has, which holds what
-- its owner wrote (a label "notes — café"), so there text is read as Go reads it and compared byte
-- for byte, and its keys must be the spec's own, spelt exactly.

local SOCKET = "unix@/var/run/docker.sock"
-- the folds Go makes that ASCII has not (U+017F, U+212A) cannot appear: no byte outside ASCII passes
-- (but in a service update, whose keys must be the spec's own, spelt exactly)
local PRINTABLE = "^[\t\n\r -~]*$"
local MAX_DEPTH = 32

-- A JSON null: Go leaves the field as it was, and a body's fields start empty.
local NULL = setmetatable({}, {__tostring = function() return "null" end})

local function refusal(why) error({refused = why}, 0) end

--------------------------------------------------------------------------------------------------
-- JSON, decoded as Go decodes it, refusing what Go could read another way.
-- strict: a request body (no key twice, printable ASCII unless any_script); not strict: Docker's own
-- answers. any_script: a request body whose strings may be any well-formed UTF-8 (a service update).

-- The length of the well-formed UTF-8 sequence (RFC 3629) that starts at pos, or nil: Go reads any
-- other byte as U+FFFD, so a body that holds one could not be compared with the spec byte for byte.
local function utf8_length(text, pos)
    local b1, b2, b3, b4 = text:byte(pos, pos + 3)
    local function tail(b) return b and b >= 0x80 and b <= 0xBF end
    if b1 >= 0xC2 and b1 <= 0xDF then
        return tail(b2) and 2 or nil
    elseif b1 >= 0xE0 and b1 <= 0xEF then
        local low, high = 0x80, 0xBF
        if b1 == 0xE0 then low = 0xA0 elseif b1 == 0xED then high = 0x9F end -- overlong; surrogates
        return b2 and b2 >= low and b2 <= high and tail(b3) and 3 or nil
    elseif b1 >= 0xF0 and b1 <= 0xF4 then
        local low, high = 0x80, 0xBF
        if b1 == 0xF0 then low = 0x90 elseif b1 == 0xF4 then high = 0x8F end -- overlong; past U+10FFFF
        return b2 and b2 >= low and b2 <= high and tail(b3) and tail(b4) and 4 or nil
    end
    return nil
end

local REPLACEMENT = utf8.char(0xFFFD)

local function decode(text, strict, any_script)
    if strict and not any_script and not text:match(PRINTABLE) then
        refusal("a byte outside printable ASCII in the body")
    end
    local pos, len, depth = 1, #text, 0
    local function fail(why) refusal(why .. " (byte " .. pos .. " of the body)") end
    local function space()
        pos = text:find("[^ \t\n\r]", pos) or len + 1
    end
    local function hex4(at)
        local hex = text:sub(at, at + 3)
        return hex:match("^%x%x%x%x$") and tonumber(hex, 16) or nil
    end
    local escapes = {['"'] = '"', ['\\'] = '\\', ['/'] = '/', b = '\b', f = '\f', n = '\n', r = '\r', t = '\t'}
    local function string_at()
        pos = pos + 1
        local parts, from = {}, pos
        while true do
            local b = text:byte(pos)
            if not b then fail("a string that does not end") end
            if b == 34 then
                parts[#parts + 1] = text:sub(from, pos - 1)
                pos = pos + 1
                return table.concat(parts)
            elseif b == 92 then
                parts[#parts + 1] = text:sub(from, pos - 1)
                local e = text:sub(pos + 1, pos + 1)
                if escapes[e] then
                    parts[#parts + 1] = escapes[e]
                    pos = pos + 2
                elseif e == "u" then
                    local code = hex4(pos + 2) or fail("a broken \\u escape")
                    if code >= 128 and strict and not any_script then fail("an escape of a character outside ASCII") end
                    pos = pos + 6
                    -- as Go: a high surrogate and a low one's escape after it are one character; any
                    -- other surrogate is U+FFFD, and an escape after it is read on its own
                    if code >= 0xD800 and code <= 0xDFFF then
                        local low = text:sub(pos, pos + 1) == "\\u" and hex4(pos + 2)
                        if code <= 0xDBFF and low and low >= 0xDC00 and low <= 0xDFFF then
                            code = 0x10000 + (code - 0xD800) * 0x400 + (low - 0xDC00)
                            pos = pos + 6
                        else
                            code = 0xFFFD
                        end
                    end
                    parts[#parts + 1] = utf8.char(code)
                else
                    fail("a broken escape")
                end
                from = pos
            elseif b < 32 then
                fail("a control character inside a string")
            elseif b < 128 then
                pos = pos + 1
            else
                local length = utf8_length(text, pos)
                if length then
                    pos = pos + length
                elseif strict then
                    fail("a byte that is not UTF-8")
                else
                    parts[#parts + 1] = text:sub(from, pos - 1) .. REPLACEMENT
                    pos = pos + 1
                    from = pos
                end
            end
        end
    end
    local value
    local function number_at()
        local whole = text:match("^-?%d+", pos)
        if not whole or whole:match("^-?0%d") then fail("a malformed number") end
        local after = pos + #whole
        local fraction = text:match("^%.%d+", after)
        if text:sub(after, after) == "." and not fraction then fail("a malformed number") end
        after = after + #(fraction or "")
        local exponent = text:match("^[eE][-+]?%d+", after)
        if text:sub(after, after):match("[eE]") and not exponent then fail("a malformed number") end
        after = after + #(exponent or "")
        local s = text:sub(pos, after - 1)
        pos = after
        return tonumber(s)
    end
    function value()
        space()
        local c = text:sub(pos, pos)
        if c == "{" or c == "[" then
            depth = depth + 1
            if depth > MAX_DEPTH then fail("more than " .. MAX_DEPTH .. " levels") end
            pos = pos + 1
            local result
            if c == "{" then
                result = {object = true, keys = {}, fields = {}}
                local seen = {}
                space()
                if text:sub(pos, pos) == "}" then
                    pos = pos + 1
                else
                    while true do
                        space()
                        if text:sub(pos, pos) ~= '"' then fail("a key that is not a string") end
                        local key = string_at()
                        space()
                        if text:sub(pos, pos) ~= ":" then fail("no ':' after a key") end
                        pos = pos + 1
                        local v = value()
                        if seen[key:lower()] then
                            -- twice null is Go's no-op twice (docker-java writes a few fields under two
                            -- spellings, both null: "EnableIPv6" and "enableIPv6" of a network create)
                            if strict and not (seen[key:lower()] == "null" and v == NULL) then
                                fail("the key " .. key .. " given twice (Docker ignores case)")
                            end
                        else
                            result.keys[#result.keys + 1] = key
                        end
                        seen[key:lower()] = (seen[key:lower()] == nil or seen[key:lower()] == "null") and v == NULL
                            and "null" or "set"
                        result.fields[key] = v
                        space()
                        local sep = text:sub(pos, pos)
                        pos = pos + 1
                        if sep == "}" then break end
                        if sep ~= "," then fail("no ',' or '}' after a value") end
                    end
                end
            else
                result = {array = true}
                space()
                if text:sub(pos, pos) == "]" then
                    pos = pos + 1
                else
                    while true do
                        result[#result + 1] = value()
                        space()
                        local sep = text:sub(pos, pos)
                        pos = pos + 1
                        if sep == "]" then break end
                        if sep ~= "," then fail("no ',' or ']' after a value") end
                    end
                end
            end
            depth = depth - 1
            return result
        elseif c == '"' then
            return string_at()
        elseif c == "-" or c:match("%d") then
            return number_at()
        end
        for word, v in pairs({["true"] = true, ["false"] = false, ["null"] = NULL}) do
            if text:sub(pos, pos + #word - 1) == word then
                pos = pos + #word
                return v
            end
        end
        fail("not JSON")
    end
    local result = value()
    space()
    -- Go's decoder would read the first value and leave the rest: nothing may follow it
    if pos <= len then fail("something after the JSON value") end
    return result
end

--------------------------------------------------------------------------------------------------
-- What may be in a body: a schema per object, a check per field. A key not in the schema may only
-- be null; docker-java sends every field it knows, most of them null.

local function is_object(v) return type(v) == "table" and v.object end
local function is_array(v) return type(v) == "table" and v.array end

local function any_string(v, at)
    if type(v) ~= "string" then refusal(at .. " is not a string") end
end

local function string_list(v, at)
    if not is_array(v) then refusal(at .. " is not a list (Docker would read a string as one)") end
    for i, s in ipairs(v) do any_string(s, at .. "[" .. (i - 1) .. "]") end
end

local function boolean_false(v, at)
    if v ~= false then refusal(at .. " may only be false") end
end

local function any_boolean(v, at)
    if type(v) ~= "boolean" then refusal(at .. " is not true or false") end
end

local function checked_object(schema)
    return function(v, at)
        if not is_object(v) then refusal(at .. " is not an object") end
        for _, key in ipairs(v.keys) do
            local value, check = v.fields[key], schema[key]
            local here = at == "" and key or at .. "." .. key
            if value ~= NULL then
                if not check then refusal(here .. " is not a setting the sidecar uses") end
                check(value, here)
            end
        end
    end
end

-- The host folders helpers may bind, exactly (DOCKER_API_BIND_FROM, joined by |). A folder under an
-- allowed one is refused: a helper writes where it binds, and a link it leaves there (ln -s / x)
-- would be followed by the daemon at the next bind of that path.
local BIND_FROM = {}
do
    local listed = os.getenv("DOCKER_API_BIND_FROM") or ""
    for folder in listed:gmatch("[^|]+") do
        folder = folder:match("^%s*(.-)%s*$")
        if folder ~= "" then
            if not folder:match("^/[%w_.%-/@+=~]+$") or folder:match("//") or folder:match("/$")
                    or folder:match("/%.%.?/") or folder:match("/%.%.?$") then
                error("DOCKER_API_BIND_FROM: '" .. folder .. "' is not a clean absolute folder (letters, digits, "
                    .. "_ . - / @ + = ~; no trailing /, no . or .. parts)")
            end
            for _, other in ipairs(BIND_FROM) do
                if folder:sub(1, #other + 1) == other .. "/" or other:sub(1, #folder + 1) == folder .. "/" then
                    error("DOCKER_API_BIND_FROM: '" .. folder .. "' and '" .. other .. "' lie one inside the other; "
                        .. "a helper binding the outer one could put a link where the inner one is")
                end
            end
            BIND_FROM[#BIND_FROM + 1] = folder
        end
    end
end

local function allowed_folder(path)
    for _, folder in ipairs(BIND_FROM) do
        if path == folder then return true end
    end
    return false
end

local VOLUME_NAME = "^[%w][%w_.%-]+$"
local BIND_MODES = {ro = true, rw = true, nocopy = true}

-- A bind as docker-java writes it: source:destination:mode, the source a named volume or an allowed
-- host folder, the mode ro or rw (and nocopy). No propagation, no relabelling.
local function bind(v, at)
    any_string(v, at)
    local source, destination, mode = v:match("^([^:]+):([^:]+):([^:]+)$")
    if not source then refusal(at .. " '" .. v .. "' is not source:destination:mode") end
    if destination:sub(1, 1) ~= "/" then refusal(at .. " '" .. v .. "' has no absolute destination") end
    for word in (mode .. ","):gmatch("([^,]*),") do
        if not BIND_MODES[word] then refusal(at .. " '" .. v .. "': mode " .. word .. " is not ro, rw or nocopy") end
    end
    if source:sub(1, 1) == "/" then
        if not allowed_folder(source) then
            refusal(at .. " binds the host folder " .. source .. ", which is not one of DOCKER_API_BIND_FROM")
        end
    elseif not source:match(VOLUME_NAME) then
        refusal(at .. " '" .. source .. "' is neither a volume's name nor an absolute folder")
    end
end

local NETWORK_NAME = "^[%w][%w_.%-]*$"
-- none, a network by name or id, or another container's (the WAL streamer joins its server's): never
-- the host's
local function network_mode(v, at)
    any_string(v, at)
    if v:lower() == "host" then refusal(at .. " is the host's network") end
    if v:match("^container:%x+$") then
        if #v ~= #"container:" + 64 or v:match("%u") then refusal(at .. " names a container by other than its whole id") end
        return
    end
    if not v:match(NETWORK_NAME) then refusal(at .. " '" .. v .. "' is not a network's name") end
end

local function cpu_shares(v, at)
    if math.type(v) ~= "integer" or v < 0 or v > 262144 then refusal(at .. " is not a CPU weight (0-262144)") end
end

local function our_labels(v, at)
    if not is_object(v) then refusal(at .. " is not an object") end
    for _, key in ipairs(v.keys) do
        if not key:match("^backrest%-sidecar%.[%w_.%-]+$") then
            refusal(at .. " '" .. key .. "' is not a backrest-sidecar.* label")
        end
        any_string(v.fields[key], at .. "." .. key)
    end
end

local function anonymous_volumes(v, at)
    if not is_object(v) then refusal(at .. " is not an object") end
    for _, key in ipairs(v.keys) do
        if key:sub(1, 1) ~= "/" then refusal(at .. " '" .. key .. "' is not an absolute path") end
        local empty = v.fields[key]
        if not is_object(empty) or #empty.keys > 0 then refusal(at .. "." .. key .. " is not {}") end
    end
end

local function empty_object(v, at)
    if not is_object(v) or #v.keys > 0 then refusal(at .. " may only be {}") end
end

-- Networks made through this proxy, by name and by id: a drill's network (drill/DrillNetwork),
-- internal, where the plan's throwaways answer to their services' names. Only on such a network may
-- a container be given another name (an alias): on any other, an alias "postgres" would take the
-- user's Postgres' name from the user's apps.
local made_networks = {}
local OUR_NAME = "^backrest%-sidecar%-[%w_.%-]+$"
local HOST_NAME = "^[%w][%w_.%-]*$"

local function aliases(v, at)
    string_list(v, at)
    if #v > 8 then refusal(at .. " holds more than 8 names") end
    for i, name in ipairs(v) do
        if not name:match(HOST_NAME) or #name > 63 then refusal(at .. "[" .. (i - 1) .. "] '" .. name .. "' is not a host name") end
    end
end

-- The one network a container of a drill joins at its create: one made through this proxy.
local function endpoints(v, at)
    if not is_object(v) then refusal(at .. " is not an object") end
    local count = 0
    for _, key in ipairs(v.keys) do
        count = count + 1
        if not made_networks[key] then refusal(at .. " names " .. key .. ", not a network made through the proxy") end
        checked_object({Aliases = aliases})(v.fields[key], at .. "." .. key)
    end
    if count > 1 then refusal(at .. " names more than one network") end
end

-- Everything the sidecar's containers set (volumes/Helpers, drill/Throwaways, wal/Streamer,
-- pitr/DataFolder and PointInTimeRestore); what its code may set later must be added here first.
local CREATE = checked_object({
    Image = any_string, Hostname = any_string, User = any_string, WorkingDir = any_string,
    Env = string_list, Cmd = string_list, Entrypoint = string_list,
    Labels = our_labels, Volumes = anonymous_volumes, ExposedPorts = empty_object,
    HostConfig = checked_object({Binds = function(v, at)
        if not is_array(v) then refusal(at .. " is not a list") end
        for i, b in ipairs(v) do bind(b, at .. "[" .. (i - 1) .. "]") end
    end, NetworkMode = network_mode, CpuShares = cpu_shares}),
    NetworkingConfig = checked_object({EndpointsConfig = endpoints}),
})

-- A drill's network as docker-java writes it: a bridge on this host, internal (nothing on it reaches
-- the host's other networks or the outside), named backrest-sidecar-... and labelled ours.
local NETWORK = checked_object({
    Name = function(v, at)
        any_string(v, at)
        if not v:match(OUR_NAME) then refusal(at .. " '" .. v .. "' is not named backrest-sidecar-...") end
    end,
    Driver = function(v, at)
        if v ~= "bridge" then refusal(at .. " may only be bridge") end
    end,
    Internal = function(v, at)
        if v ~= true then refusal(at .. " may only be true: a network of the sidecar's leads nowhere") end
    end,
    CheckDuplicate = any_boolean, EnableIPv6 = boolean_false, Attachable = boolean_false,
    Options = empty_object, Labels = our_labels,
})

-- An exec as docker-java writes it (it adds its own containerId, which Docker ignores).
local EXEC = checked_object({
    Cmd = string_list, Env = string_list, User = any_string, WorkingDir = any_string,
    AttachStdin = any_boolean, AttachStdout = any_boolean, AttachStderr = any_boolean, Tty = any_boolean,
    Privileged = boolean_false, containerId = any_string,
})

local CONNECT = checked_object({Container = any_string})

--------------------------------------------------------------------------------------------------
-- Docker itself, asked over the socket the proxy holds.

local function docker(method, path)
    -- every name in a path here was checked, but a request line is no place for a space or a newline
    if not path:match("^/[%w_.%-/?=&]*$") then refusal("a name Docker does not give: " .. path) end
    -- a connect that fails now and then (seen once in a day's test runs) is tried again: each call
    -- here is a read or a removal, the same twice
    -- haproxy 2.6 before 2.6.16 (Debian 12 has 2.6.12) starts a Lua socket's connection when the
    -- socket is made, not at connect(): if haproxy interrupts the script between the two (it does
    -- every tune.lua.forced-yield instructions), the connection is tried with no destination and
    -- fails ("socket: not yet initialised", or no answer; seen on a Swarm node, where the same
    -- request then failed each time). A yield of our own first gives what follows a fresh budget of
    -- instructions, and connect() comes right after the socket is made, before any other call
    local why
    for attempt = 1, 3 do
        core.yield()
        local socket = core.tcp()
        local ok, err = socket:connect(SOCKET)
        if ok then
            socket:settimeout(20)
            socket:send(method .. " " .. path .. " HTTP/1.0\r\nHost: docker\r\n\r\n")
            local answer = socket:receive("*a") or ""
            socket:close()
            local status = tonumber(answer:match("^HTTP/%d%.%d (%d%d%d)"))
            if status then
                return status, answer:match("\r\n\r\n(.*)$") or ""
            end
            why = "no answer"
        else
            pcall(socket.close, socket)
            why = tostring(err)
            core.Warning("docker-api.lua: the proxy's own call to Docker failed (attempt " .. attempt .. "): " .. why)
        end
        core.msleep(100 * attempt)
    end
    refusal("the Docker socket does not answer the proxy's check (" .. why .. ", three times)")
end

-- a container (/containers/<name>/json) or a volume (/volumes/<name>) as Docker has it; nil if none
local function inspect(path, name)
    local status, body = docker("GET", path)
    if status == 404 then return nil end
    if status ~= 200 then refusal("Docker answered " .. tostring(status) .. " to the proxy's inspect of " .. name) end
    return decode(body, false)
end

-- The proxy's own container: its mounts name it (/var/lib/docker/containers/<id>/hostname), whatever
-- host name it was given; else Docker knows it by its host name.
local own_id
local function proxy_id()
    if own_id then return own_id end
    local mounts = io.open("/proc/self/mountinfo")
    if mounts then
        own_id = mounts:read("a"):match("/containers/(%x+)/hostname")
        mounts:close()
    end
    if not own_id or #own_id ~= 64 then
        local me = inspect("/containers/" .. (os.getenv("HOSTNAME") or "") .. "/json", "the proxy")
        own_id = me and me.fields.Id
    end
    if not own_id then refusal("the proxy does not know its own container") end
    return own_id
end

local function get(object, key)
    local v = is_object(object) and object.fields[key]
    if v == NULL then return nil end
    return v
end

local function empty(v)
    return v == nil or v == NULL or v == false or v == 0 or v == ""
        or (is_array(v) and #v == 0) or (is_object(v) and #v.keys == 0)
end

-- What Docker itself fills into a container's HostConfig, and settings that give nothing of the host
-- (limits, DNS, the log driver): allowed as they are. Any other field must be empty, so one that a
-- later Docker adds is refused until it is judged here.
local HARMLESS = {}
for name in ([[LogConfig RestartPolicy AutoRemove ConsoleSize Isolation OomScoreAdj ShmSize Init
    ContainerIDFile Dns DnsOptions DnsSearch ExtraHosts GroupAdd ReadonlyRootfs Tmpfs Annotations
    CpuShares Memory NanoCpus CpuPeriod CpuQuota CpuRealtimePeriod CpuRealtimeRuntime
    CpusetCpus CpusetMems BlkioWeight BlkioWeightDevice BlkioDeviceReadBps BlkioDeviceWriteBps
    BlkioDeviceReadIOps BlkioDeviceWriteIOps MemoryReservation MemorySwap MemorySwappiness
    KernelMemory KernelMemoryTCP OomKillDisable PidsLimit Ulimits CpuCount CpuPercent
    IOMaximumIOps IOMaximumBandwidth CapDrop]]):gmatch("%S+") do
    HARMLESS[name] = true
end

-- Docker's own masked and read-only /proc and /sys paths: emptied, /proc/sys is writable
-- (kernel.core_pattern is root on the host at the next crash)
local MASKED = {"/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"}
local READ_ONLY = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}

local function holds_all(list, wanted, at)
    local have = {}
    for _, p in ipairs(is_array(list) and list or {}) do have[p] = true end
    for _, p in ipairs(wanted) do
        if not have[p] then refusal(at .. " lacks " .. p) end
    end
end

local default_runtime
local function runtime_ok(name)
    if name == nil or name == "" or name == "runc" then return true end
    if not default_runtime then
        local status, body = docker("GET", "/info")
        default_runtime = status == 200 and get(decode(body, false), "DefaultRuntime") or "runc"
    end
    return name == default_runtime
end

local function volume_ok(name, at)
    local volume = inspect("/volumes/" .. name, name)
    if not volume then refusal(at .. ": volume " .. name .. " is not there to judge") end
    local driver = get(volume, "Driver")
    if driver ~= "local" then refusal(at .. ": volume " .. name .. " uses the driver " .. tostring(driver)
        .. ", whose reach the proxy cannot tell") end
    local options = get(volume, "Options")
    local device = get(options, "device")
    if not device then return end
    local bound = (("," .. (get(options, "o") or "") .. ","):match(",r?bind,")) ~= nil
    if bound and not allowed_folder(device) then
        refusal(at .. ": volume " .. name .. " binds the host folder " .. device .. ", not one of DOCKER_API_BIND_FROM")
    elseif not bound and device:sub(1, 1) == "/" then
        refusal(at .. ": volume " .. name .. " mounts the host's " .. device)
    end
end

-- The container as Docker made it, held to the same allow-list as the body: a parsing difference
-- between the judge and Docker cannot become root.
local function as_made(container)
    local host = get(container, "HostConfig")
    if not is_object(host) then refusal("Docker shows no HostConfig") end
    for _, key in ipairs(host.keys) do
        local v, at = get(host, key), "HostConfig." .. key
        if key == "Binds" then
            for i, b in ipairs(is_array(v) and v or {}) do bind(b, at .. "[" .. (i - 1) .. "]") end
        elseif key == "NetworkMode" then
            if v and v ~= "" then network_mode(v, at) end
            local joined = v and v:match("^container:(%x+)$")
            if joined then
                if joined == proxy_id() then refusal(at .. " is the proxy's own") end
                local other = inspect("/containers/" .. joined .. "/json", joined)
                local theirs = get(get(other, "HostConfig"), "NetworkMode") or ""
                if theirs == "host" or theirs:match("^container:") then
                    refusal(at .. " joins a container whose network is " .. theirs)
                end
            end
        elseif key == "IpcMode" then
            if not (empty(v) or v == "private" or v == "shareable" or v == "none") then refusal(at .. " is " .. v) end
        elseif key == "CgroupnsMode" then
            -- host is Docker's own default on a cgroup v1 host; it shows cgroup paths, no more
            if not (empty(v) or v == "private" or v == "host") then refusal(at .. " is " .. v) end
        elseif key == "Runtime" then
            if not runtime_ok(v) then refusal(at .. " is " .. tostring(v)) end
        elseif key == "MaskedPaths" then
            holds_all(v, MASKED, at)
        elseif key == "ReadonlyPaths" then
            holds_all(v, READ_ONLY, at)
        elseif key == "Privileged" or key == "PublishAllPorts" then
            if v then refusal(at .. " is set") end
        elseif not HARMLESS[key] and not empty(v) then
            refusal(at .. " is set, and the sidecar never sets it")
        end
    end
    for i, mount in ipairs(get(container, "Mounts") or {}) do
        local at, kind = "Mounts[" .. (i - 1) .. "]", get(mount, "Type")
        if kind == "volume" then
            volume_ok(get(mount, "Name") or "", at)
        elseif kind == "bind" then
            if not allowed_folder(get(mount, "Source") or "") then
                refusal(at .. " binds the host's " .. tostring(get(mount, "Source")))
            end
        elseif kind ~= "tmpfs" then
            refusal(at .. " is a mount of type " .. tostring(kind))
        end
    end
end

--------------------------------------------------------------------------------------------------
-- The requests. Every verdict is a variable the config acts on; an error in here leaves none, and the
-- config refuses then (it fails closed).

-- Containers made through this proxy, by id, and the creates whose container is not yet inspected: a
-- start waits for those, so that none can be started in between.
local made, made_order, pending = {}, {}, {}

local function pending_creates()
    local now, count = core.now().sec, 0
    for name, since in pairs(pending) do
        if now - since > 60 then pending[name] = nil else count = count + 1 end
    end
    return count
end

local function url_decode(s)
    return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

local function whole_body(txn)
    local headers = txn.http:req_get_headers()
    if headers["transfer-encoding"] then refusal("a body sent in chunks is not judged") end
    local length = tonumber(headers["content-length"] and headers["content-length"][0] or "0")
    local body = txn.sf:req_body() or ""
    if #body ~= length then refusal("the body is not all here (" .. #body .. " of " .. tostring(length) .. " bytes)") end
    if length == 0 then return "{}" end
    return body
end

-- A call naming a container: never the proxy's own, by whatever name Docker would take for it.
local function not_the_proxy(name)
    if not name:match("^[%w][%w_.%-]*$") then refusal("'" .. name .. "' is not a container's name or id") end
    local id = name
    if not (#name == 64 and name:match("^%x+$")) then
        local container = inspect("/containers/" .. name .. "/json", name)
        if not container then return nil end
        id = get(container, "Id")
    end
    if id == proxy_id() then refusal("that is the proxy's own container") end
    return id
end

-- Two values the same, as Docker would read them: objects with exactly the same keys, spelt alike,
-- lists of the same length, each value equal; {"Mode", "Replicated", "Replicas"} (`except`) is the
-- one place the first may differ, where it must be a whole number from 0 to 100.
local function same(a, b, at, except)
    if at == except then
        if type(a) ~= "number" or a < 0 or a > 100 or a ~= math.floor(a) then
            refusal(at .. " is not a number of replicas from 0 to 100")
        end
        return
    end
    if is_object(a) or is_object(b) then
        if not (is_object(a) and is_object(b)) then refusal(at .. " is not as the service has it") end
        if #a.keys ~= #b.keys then refusal(at .. " has other fields than the service has") end
        for _, key in ipairs(b.keys) do
            if a.fields[key] == nil then refusal(at .. "." .. key .. " is missing or spelt otherwise") end
            same(a.fields[key], b.fields[key], at .. "." .. key, except)
        end
    elseif is_array(a) or is_array(b) then
        if not (is_array(a) and is_array(b)) or #a ~= #b then refusal(at .. " is not as the service has it") end
        for i = 1, #b do same(a[i], b[i], at .. "[" .. (i - 1) .. "]", except) end
    elseif a ~= b then
        refusal(at .. " is not as the service has it")
    end
end

-- A service update: its replicas and nothing else (docker/SwarmServices scales a service to 0 for a
-- restore, and back), of a service of the stack DOCKER_API_STACK names whose containers carry the
-- backup enable label (DOCKER_API_ENABLE_LABEL, backup.enable unless set). The body must be the spec
-- Docker has now, key for key and value for value, but Mode.Replicated.Replicas.
local function service_update(txn, id)
    local stack = os.getenv("DOCKER_API_STACK") or ""
    if stack == "" then refusal("the proxy was given no stack (DOCKER_API_STACK): it lets no service be scaled") end
    if not id:match("^%w+$") then refusal("a service is updated by its id") end
    local query = txn.sf:query() or ""
    if not query:match("^version=%d+$") then refusal("a service update carries its version and nothing else in its query") end
    local headers = txn.http:req_get_headers()
    if headers["x-registry-auth"] then refusal("a service update carries no registry credentials") end
    local service = inspect("/services/" .. id, id) or refusal("no service " .. id)
    local spec = get(service, "Spec")
    local labels = get(spec, "Labels")
    if get(labels, "com.docker.stack.namespace") ~= stack then
        refusal("service " .. id .. " is not one of stack " .. stack .. "'s")
    end
    local enable = os.getenv("DOCKER_API_ENABLE_LABEL") or ""
    if enable == "" then enable = "backup.enable" end
    local on = get(get(get(get(spec, "TaskTemplate"), "ContainerSpec"), "Labels"), enable)
    if on == nil or on == "false" then refusal("service " .. id .. "'s containers carry no " .. enable .. " label") end
    if not get(get(spec, "Mode"), "Replicated") then refusal("service " .. id .. " is not replicated") end
    same(decode(whole_body(txn), true, true), spec, "Spec", "Spec.Mode.Replicated.Replicas")
end

local function judge(txn)
    local method = txn.sf:method()
    local path = url_decode(txn.sf:path()):gsub("^/v[%d.]+/", "/")
    local service = path:match("^/services/([^/]+)/update$")
    if service and method == "POST" then
        service_update(txn, service)
        return
    end
    if path == "/containers/create" then
        if method ~= "POST" then return end
        local query = txn.sf:query() or ""
        local name = query:match("^name=(backrest%-sidecar%-[%w_.%-]+)$")
        if not name then refusal("a create is named backrest-sidecar-... and nothing else in its query") end
        local body = decode(whole_body(txn), true)
        CREATE(body, "")
        if not get(body, "Labels") or #get(body, "Labels").keys == 0 then
            refusal("a create carries a backrest-sidecar.* label")
        end
        local joins = get(get(body, "NetworkingConfig"), "EndpointsConfig")
        if joins and #joins.keys > 0 and joins.keys[1] ~= get(get(body, "HostConfig"), "NetworkMode") then
            refusal("NetworkingConfig.EndpointsConfig names another network than HostConfig.NetworkMode")
        end
        pending[name] = core.now().sec
        txn:set_var("txn.docker_api_created", name)
        return
    end
    if path == "/networks/create" then
        if method ~= "POST" then return end
        local body = decode(whole_body(txn), true)
        NETWORK(body, "")
        if get(body, "Internal") ~= true then refusal("a network of the sidecar's is Internal") end
        if not get(body, "Labels") or #get(body, "Labels").keys == 0 then
            refusal("a network carries a backrest-sidecar.* label")
        end
        txn:set_var("txn.docker_api_network_created", get(body, "Name"))
        return
    end
    local network = path:match("^/networks/[^/]+/connect$")
    if network and method == "POST" then
        local body = decode(whole_body(txn), true)
        CONNECT(body, "")
        local container = get(body, "Container")
        if not container then refusal("a connect names its container") end
        local id = not_the_proxy(container)
        if not id or not made[id] then refusal("only a container made through the proxy joins a network") end
        return
    end
    local name, rest = path:match("^/containers/([^/]+)(.*)$")
    if not name or name == "json" then return end
    if rest == "/start" and method == "POST" then
        for _ = 1, 200 do
            if pending_creates() == 0 then break end
            core.msleep(50)
        end
        if pending_creates() > 0 then refusal("a create is still being checked; start again") end
    end
    local id = not_the_proxy(name)
    if rest == "/exec" and method == "POST" then
        EXEC(decode(whole_body(txn), true), "")
    elseif rest == "/start" and method == "POST" and id and made[id] then
        as_made(inspect("/containers/" .. id .. "/json", id) or refusal("the container to start is gone"))
    elseif rest == "" and method == "DELETE" and id then
        made[id] = nil
    end
end

core.register_action("docker_api_judge", {"http-req"}, function(txn)
    local ok, err = pcall(judge, txn)
    if ok then
        txn:set_var("txn.docker_api_judged", true)
    else
        local why = type(err) == "table" and err.refused or ("the proxy's check failed: " .. tostring(err))
        -- the reason goes into a JSON answer: keep it plain
        txn:set_var("txn.docker_api_refused", (why:gsub('[^%w%s_.,:;()/=+*@%[%]\'%-]', "?")))
    end
end, 0)

-- After Docker made a container: inspected as made, and removed before anyone learns its id if it is
-- outside the allow-list.
core.register_action("docker_api_check_created", {"http-res"}, function(txn)
    local name = txn:get_var("txn.docker_api_created")
    local ok, err = pcall(function()
        if tonumber(txn.sf:status()) ~= 201 then return end
        local container = inspect("/containers/" .. name .. "/json", name)
        if not container then refusal("the container made is gone") end
        local id = get(container, "Id")
        local passed, why = pcall(as_made, container)
        if not passed then
            docker("DELETE", "/containers/" .. id .. "?force=1&v=1")
            error(why, 0)
        end
        made[id] = true
        made_order[#made_order + 1] = id
        if #made_order > 4096 then
            for i = 1, 2048 do made[made_order[i]] = nil end
            table.move(made_order, 2049, #made_order, 1)
            for i = #made_order - 2047, #made_order do made_order[i] = nil end
        end
    end)
    pending[name] = nil
    if not ok then
        local why = type(err) == "table" and err.refused or ("the proxy's check failed: " .. tostring(err))
        txn:set_var("txn.docker_api_refused", (why:gsub('[^%w%s_.,:;()/=+*@%[%]\'%-]', "?")))
    end
end, 0)

-- After Docker made a network: inspected as made (a bridge of this host, internal, nothing else),
-- and removed before anyone can use it if it is not; else its name and id are known as made here.
core.register_action("docker_api_check_network", {"http-res"}, function(txn)
    local name = txn:get_var("txn.docker_api_network_created")
    local ok, err = pcall(function()
        if tonumber(txn.sf:status()) ~= 201 then return end
        local network = inspect("/networks/" .. name, name)
        if not network then refusal("the network made is gone") end
        local id = get(network, "Id") or ""
        local why
        if get(network, "Name") ~= name then why = "Docker named it " .. tostring(get(network, "Name"))
        elseif get(network, "Driver") ~= "bridge" then why = "its driver is " .. tostring(get(network, "Driver"))
        elseif get(network, "Internal") ~= true then why = "it is not internal"
        elseif get(network, "Scope") ~= "local" then why = "its scope is " .. tostring(get(network, "Scope"))
        elseif get(network, "Attachable") or get(network, "Ingress") or get(network, "EnableIPv6") then
            why = "it is attachable, ingress or IPv6"
        elseif not empty(get(network, "Options")) or not empty(get(get(network, "ConfigFrom"), "Network")) then
            why = "it has options"
        end
        if why then
            docker("DELETE", "/networks/" .. id)
            refusal("the network made is not as asked: " .. why)
        end
        made_networks[name] = true
        made_networks[id] = true
    end)
    if not ok then
        local why = type(err) == "table" and err.refused or ("the proxy's check failed: " .. tostring(err))
        txn:set_var("txn.docker_api_refused", (why:gsub('[^%w%s_.,:;()/=+*@%[%]\'%-]', "?")))
    end
end, 0)

-- What the judge's tests read (test/docker/ProxyJudgeJsonTest); haproxy ignores a loaded file's result.
return {decode = decode}
