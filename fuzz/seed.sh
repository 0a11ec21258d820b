#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seed inputs, at run time.
#
# The real-world documents of ../shared/fixtures and the spec's example blocks are copied into
# the gitignored corpus only: a committed copy would be caught by the fixtures hook, and the
# documents belong to shared/, not to this repository. Form bodies, query strings, datetimes
# and attribute keys are small and written here. Running it again overwrites the seeds and
# keeps whatever libFuzzer added to the corpus since.
#
# Usage: fuzz/seed.sh   (OPEN311_SHARED=DIR to read another copy of shared/)
set -euo pipefail

# Work from fuzz/ whatever the caller's directory, so that relative paths are stable.
fuzz_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$fuzz_dir"
shared=${OPEN311_SHARED:-$fuzz_dir/../../shared}
corpus=$fuzz_dir/corpus

targets=(xml_documents json_documents form_request form_update query datetime attribute_key)
for target in "${targets[@]}"; do
    mkdir -p "$corpus/$target"
done

# Writes one inline seed: seed TARGET NAME TEXT (no newline is added: it would be input too).
seed() {
    printf '%s' "$3" >"$corpus/$1/$2"
}

# The real-world documents, each to the target of its format.
fixtures=0
if [[ -d $shared/fixtures ]]; then
    for file in "$shared"/fixtures/*.xml; do
        [[ -f $file ]] || continue
        cp "$file" "$corpus/xml_documents/fixture-$(basename "$file")"
        fixtures=$((fixtures + 1))
    done
    for file in "$shared"/fixtures/*.json; do
        [[ -f $file ]] || continue
        cp "$file" "$corpus/json_documents/fixture-$(basename "$file")"
        fixtures=$((fixtures + 1))
    done
else
    # Not fatal: the inline seeds below still start every target, only less deep.
    echo "seed.sh: no fixtures at $shared/fixtures; seeding from the inline inputs only" >&2
fi

# The spec's example documents: its ~~~ blocks that hold XML or JSON, an HTTP status line and
# the blank line after it left out, as the spec shows its error examples as responses.
examples=0
if [[ -d $shared/spec ]]; then
    for file in "$shared"/spec/*.md; do
        base=$(basename "$file" .md)
        # awk prints each block as NUL-terminated text, so blocks may hold any line.
        while IFS= read -r -d '' block; do
            case ${block:0:1} in
                '<') ext=xml target=xml_documents ;;
                '[' | '{') ext=json target=json_documents ;;
                *) continue ;;
            esac
            examples=$((examples + 1))
            printf '%s\n' "$block" >"$corpus/$target/spec-$base-$examples.$ext"
        done < <(awk '
            /^~~~/ {
                if (inside) { printf "%s%c", body, 0; inside = 0 }
                else { inside = 1; body = ""; status = 0 }
                next
            }
            inside {
                if (body == "" && $0 ~ /^HTTP\//) { status = 1; next }
                if (status && $0 ~ /^[[:space:]]*$/) { status = 0; next }
                if (body == "" && $0 ~ /^[[:space:]]*$/) next
                body = body (body == "" ? "" : "\n") $0
            }
        ' "$file")
    done
fi

# POST requests bodies: the spec's example, then each attribute form real clients send.
seed form_request spec-example 'api_key=xyz&jurisdiction_id=city.gov&service_code=001&lat=37.76524078&long=-122.4212043&address_string=1234+5th+street&email=smit333%40sfgov.edu&device_id=tt222111&account_id=123456&first_name=john&last_name=smith&phone=111111111&description=A+large+sinkhole+is+destroying+the+street&media_url=http%3A%2F%2Ffarm3.static.flickr.com%2F2002%2F2212426634_5ed477a060.jpg&attribute[WHISPAWN]=123456&attribute[WHISDORN]=COISL001'
seed form_request attribute-list 'service_code=001&attribute[a][]=1&attribute[a][]=2'
seed form_request attribute-list-escaped 'service_code=001&attribute%5BCOLORS%5D%5B%5D=red&attribute%5BCOLORS%5D%5B%5D=blue'
seed form_request attribute-repeated 'service_code=001&attribute[a]=1&attribute[a]=2'
seed form_request attribute-indexed 'service_code=001&attribute[a][1]=b&attribute[a][0]=a'
seed form_request empty-optionals 'service_code=1&jurisdiction_id=&email=&lat=&long='
seed form_request numbers 'service_code=1&lat=+37.5+&long=-1e-3'
seed form_request multiline 'service_code=1&description=line+1%0D%0Aline+2%09tab&address_id=%C3%A9t%C3%A9'
seed form_request echoed-and-extra 'service_code=1&status=closed&token=t&title=Hello&service_request_id=5'

# POST servicerequestupdates bodies.
seed form_update basic 'api_key=k&service_request_id=638344&update_id=7&updated_datetime=2012-04-05T16%3A31%3A48-07%3A00&status=closed&description=Fixed'
seed form_update minutes-utc 'service_request_id=1&updated_datetime=2011-03-01T10:00Z&status=OPEN'
seed form_update fraction 'service_request_id=a%2Cb&updated_datetime=2015-07-27T16:24:19.123456789%2B05:30&status=investigating'
seed form_update people 'service_request_id=9&email=a%40b.c&first_name=J&last_name=S&account_id=3&media_url=http%3A%2F%2Fx%2Fy.jpg&jurisdiction_id=city.gov&other=kept'

# GET requests query strings: the spec's sample URL, lists, paging and the v2.1 draft.
seed query spec-sample 'start_date=2010-05-24T00:00:00Z&end_date=2010-06-24T00:00:00Z&status=open&jurisdiction_id=city.gov'
seed query lists 'service_request_id=a%2Cb,c&service_request_id=d&service_code=001,002&status=open,CLOSED'
seed query paging 'page=+2+&page_size=50&extensions=true&api_key=k'
seed query updated 'updated_after=2010-05-24T00:00-07:00&updated_before=2010-06-24T00:00:00.5%2B02:00&extra=1'
seed query empty-values 'jurisdiction_id=&start_date=&service_code=,,&x'

# Datetimes: the spec's forms, then the variants the lenient decoders read.
seed datetime offset '2010-04-14T06:37:38-08:00'
seed datetime utc '1994-11-05T13:15:30Z'
seed datetime half-hour '2010-04-14T06:37:38+05:30'
seed datetime fraction '2015-07-27T16:24:19.123456789Z'
seed datetime minutes '2010-04-14T06:37-08:00'
seed datetime no-offset '2012-05-22 23:57:23.97'
seed datetime unpadded '2011-09-1T17:35:00Z'
seed datetime compact-offset '2010-01-01T00:00:00+0200'
seed datetime edges '0000-01-01T00:00:00+23:59'

# Form keys: every attribute form, and near misses.
seed attribute_key single 'attribute[WHISPAWN]'
seed attribute_key list 'attribute[colors][]'
seed attribute_key indexed 'attribute[colors][12]'
seed attribute_key nested 'attribute[a][b][]'
seed attribute_key empty 'attribute[]'
seed attribute_key not-attribute 'email'

echo "seed.sh: $fixtures fixtures, $examples spec examples and the inline seeds in $corpus"
