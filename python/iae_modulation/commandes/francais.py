"""argparse en français : messages, aide et titres de sections.

argparse écrit ses messages par gettext sans catalogue français : on lui donne le nôtre (chaque
message de Python 3.11 et suivants), pour qu'un agent lise « erreur : arguments obligatoires
manquants » et non « error: ». Les titres de sections prennent l'espace française avant le
deux-points (« options : »).
"""

from __future__ import annotations

import argparse

TRADUCTIONS = {
    "usage: ": "utilisation : ",
    "positional arguments": "arguments",
    "options": "options",
    "optional arguments": "options",
    "show this help message and exit": "afficher cette aide et quitter",
    "show program's version number and exit": "afficher la version et quitter",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s : %(message)s",
    "the following arguments are required: %s": "arguments obligatoires manquants : %s",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "choix invalide : %(value)r (choisir parmi %(choices)s)"
    ),
    "unrecognized arguments: %s": "arguments non reconnus : %s",
    "ambiguous option: %(option)s could match %(matches)s": (
        "option ambiguë : %(option)s peut désigner %(matches)s"
    ),
    "expected one argument": "une valeur est attendue",
    "expected at most one argument": "une valeur au plus est attendue",
    "expected at least one argument": "au moins une valeur est attendue",
    "expected %s argument": "%s valeur attendue",
    "expected %s arguments": "%s valeurs attendues",
    "invalid %(type)s value: %(value)r": "valeur invalide : %(value)r",
    "one of the arguments %s is required": "l'un des arguments %s est obligatoire",
    "not allowed with argument %s": "incompatible avec l'argument %s",
    "ignored explicit argument %r": "valeur %r ignorée",
    "unexpected option string: %s": "option inattendue : %s",
    "can't open '%(filename)s': %(error)s": "impossible d'ouvrir « %(filename)s » : %(error)s",
    'argument "-" with mode %r': "argument « - » en mode %r",
    "unknown parser %(parser_name)r (choices: %(choices)s)": (
        "commande inconnue %(parser_name)r (choisir parmi %(choices)s)"
    ),
    # erreurs de programmation (jamais vues d'un agent), traduites pour qu'aucune ne reste
    ".__call__() not defined": ".__call__() non défini",
    "'required' is an invalid argument for positionals": (
        "« required » n'a pas de sens pour un argument positionnel"
    ),
    "mutually exclusive arguments must be optional": (
        "des arguments mutuellement exclusifs doivent être facultatifs"
    ),
    "%r is not callable": "%r n'est pas appelable",
    "cannot merge actions - two groups are named %r": (
        "fusion impossible : deux groupes s'appellent %r"
    ),
    "invalid option string %(option)r: must start with a character %(prefix_chars)r": (
        "option %(option)r invalide : elle doit commencer par l'un de %(prefix_chars)r"
    ),
    "dest= is required for options like %r": "dest= est obligatoire pour une option comme %r",
    "invalid conflict_resolution value: %r": "valeur de conflict_resolution invalide : %r",
    "cannot have multiple subparser arguments": "une seule liste de sous-commandes est permise",
    "conflicting subparser: %s": "sous-commande en double : %s",
    "conflicting option string: %s": "option en double : %s",
    "conflicting option strings: %s": "options en double : %s",
    "conflicting subparser alias: %s": "alias de sous-commande en double : %s",
}
_ESPACE_INSECABLE = "\u00a0"


def traduire(texte: str) -> str:
    return TRADUCTIONS.get(texte, texte)


def traduire_pluriel(singulier: str, pluriel: str, nombre: int) -> str:
    return traduire(singulier if nombre == 1 else pluriel)


argparse._ = traduire  # type: ignore[attr-defined]  # argparse les lit dans son module
argparse.ngettext = traduire_pluriel  # type: ignore[attr-defined]


class FormateurFrancais(argparse.HelpFormatter):
    """Titres de sections suivis de « : » à la française (espace insécable)."""

    def start_section(self, heading: str | None) -> None:
        super().start_section(f"{heading}{_ESPACE_INSECABLE}" if heading else heading)


class ParseurFrancais(argparse.ArgumentParser):
    """`ArgumentParser` à l'aide en français ; ses sous-commandes le sont aussi."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", FormateurFrancais)
        super().__init__(*args, **kwargs)
