/*
 * service/assets.h: the console's static files, compiled into hotmigd (web/embed.py writes the
 * table into web_assets.c from the list in web/meson.build). Nothing is read from disk at run
 * time: one binary deploys the console.
 */
#ifndef HM_SERVICE_ASSETS_H
#define HM_SERVICE_ASSETS_H

#include <stddef.h>

typedef struct hm_asset {
    const char *path;          /* "/index.html", "/js/app.js" */
    const char *content_type;  /* "text/html; charset=utf-8" ... */
    const unsigned char *data;
    size_t len;
    const char *etag;          /* "\"<sha256 prefix>\"", quoted as HTTP wants it */
    const unsigned char *gz;   /* the same bytes gzipped, NULL when that is not smaller */
    size_t gz_len;
} hm_asset;

/* The asset at path (as requested, starting with '/'), NULL when there is none. Borrowed. */
const hm_asset *hm_asset_find(const char *path);

#endif
