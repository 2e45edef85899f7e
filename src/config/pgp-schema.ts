/** The `pgp` section: the server's OpenPGP key for encrypted uploads, and per-partner settings. */
import { z } from 'zod';

export const pgpPartnerSchema = z.strictObject({
  /** The partner's public key: its files' signatures are checked against it. */
  public_key_file: z.string().min(1).optional(),
  /** Refuse a file of this partner that is not signed by `public_key_file`. */
  require_signature: z.boolean().default(false),
  /** A server key of this partner's own, instead of the one below. */
  private_key_file: z.string().min(1).optional(),
  passphrase_file: z.string().min(1).optional(),
});

export const pgpSchema = z
  .strictObject({
    /** The server's OpenPGP private key (armored or binary); "" takes no encrypted files. */
    private_key_file: z.string().default(''),
    /** A file holding the key's passphrase, when it has one. */
    passphrase_file: z.string().default(''),
    /** Keyed by partner id. */
    partners: z
      .record(z.string().min(1), pgpPartnerSchema)
      .default({})
      .superRefine((partners, ctx) => {
        for (const [id, partner] of Object.entries(partners)) {
          if (partner.require_signature && !partner.public_key_file) {
            ctx.addIssue({ code: 'custom', path: [id, 'public_key_file'], message: 'require_signature needs the public key the signatures are checked against' });
          }
        }
      }),
  })
  .prefault({});

export type PgpConfig = z.infer<typeof pgpSchema>;
